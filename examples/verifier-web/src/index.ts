export { type ResolvedConfig, resolveConfig, type VerifierWebOptions } from './config.js';
export { type DcqlQueryInput, DEFAULT_PROFILES, type RequestProfile } from './profiles.js';
export { CONTENT_SECURITY_POLICY, type RunningVerifierWeb, startVerifierWeb } from './server.js';
