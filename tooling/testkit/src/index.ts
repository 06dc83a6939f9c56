export { DEFAULT_START_US, simWorld, STATISTICAL_SEEDS, type SimWorld } from './sim-world.ts';
