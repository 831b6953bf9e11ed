import { Hono } from 'hono';
import type { ServiceContext, ServiceModule } from '../context.js';

/** The service's OpenID4VCI pre-authorized issuance (metadata, offers, token, nonce, credential endpoints). */
export async function createOid4vciModule(_ctx: ServiceContext): Promise<ServiceModule> {
  return { routes: new Hono() };
}
