/** The BroadcastChannel transport: domain events shared between the tabs of an origin. */
export { createBroadcastTransport, type BroadcastTransport, type BroadcastTransportOptions } from './broadcast-transport.js';
