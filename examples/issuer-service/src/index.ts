export type { ServiceConfig, ServiceContext } from './context.js';
export { HttpError, type ServiceErrorCode, type ServiceIssue } from './errors.js';
export { StateStore } from './state-store.js';
