import { Hono } from 'hono';
import type { ServiceContext, ServiceModule } from '../context.js';

/** The service's batch issuance from uploaded JSONL or CSV, with progress and a report. */
export async function createBatchModule(_ctx: ServiceContext): Promise<ServiceModule> {
  return { routes: new Hono() };
}
