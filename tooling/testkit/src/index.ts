export { simWorld, STATISTICAL_SEEDS, type SimWorld } from './sim-world.ts';
