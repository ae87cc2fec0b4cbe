/**
 * What the server process must do before any other of its modules loads: main.ts imports this module first,
 * and ES modules are evaluated in the order they are imported. Loading Fastify, its plugins and xmedia's
 * modules runs garbage collections of its own, which would already cost node's per-request code its fast
 * state (see tick-object-maps.ts).
 */
import { keepTickObjectMapsAlive } from './http/tick-object-maps.js';

keepTickObjectMapsAlive();
