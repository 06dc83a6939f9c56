export {
  startCoturn,
  ensureCoturnInstalled,
  type Coturn,
  type CoturnOptions,
} from './start-coturn.ts';
export { freeUdpPort, freeUdpPortRange } from './free-udp-port.ts';
export { stunProbe } from './stun-probe.ts';
