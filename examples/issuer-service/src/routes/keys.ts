import { Hono } from 'hono';
import type { ServiceContext, ServiceModule } from '../context.js';

/** The service's signing key rotation and the keys a recognition list carries. */
export async function createKeysModule(_ctx: ServiceContext): Promise<ServiceModule> {
  return { routes: new Hono() };
}
