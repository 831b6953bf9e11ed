import { getGlobalConfig, setGlobalConfig } from '@openid4vc/utils';

/**
 * The OpenID4VC libraries check URLs against one process-wide switch; http URLs are
 * accepted while work that allows them runs. The count of such work is shared by every
 * copy of this helper in the process (OpenID4VCI offers and OpenID4VP requests alike). The
 * wallet checks every URL it uses itself (checkVerifierUrl, checkIssuerUrl), whatever the switch says.
 */
const INSECURE_DEPTH = Symbol.for('tradewind.openid4vc.insecure-depth');
export async function withInsecureUrls<T>(insecure: boolean, work: () => Promise<T>): Promise<T> {
  if (!insecure) return work();
  const g = globalThis as unknown as Record<symbol, number>;
  g[INSECURE_DEPTH] = (g[INSECURE_DEPTH] ?? 0) + 1;
  setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: true });
  try {
    return await work();
  } finally {
    g[INSECURE_DEPTH] = (g[INSECURE_DEPTH] ?? 1) - 1;
    if (g[INSECURE_DEPTH] === 0) setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: false });
  }
}
