// One thread of worker-pool.mjs: either raw Ed25519 verification of a preloaded share of
// signatures, or a Tradewind verifier that verifies the chunks it is sent.
import { createPublicKey, verify } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const reply = (id, result) => parentPort.postMessage({ id, result });

if (workerData.kind === 'raw') {
  let key;
  let parts = [];
  parentPort.on('message', ({ id, load, go }) => {
    if (load) {
      key = createPublicKey({ key: load.jwk, format: 'jwk' });
      parts = load.parts.map((p) => ({ data: Buffer.from(p.data), signature: Buffer.from(p.signature) }));
      reply(id, parts.length);
    } else if (go) {
      let ok = 0;
      for (const p of parts) if (verify(null, p.data, key, p.signature)) ok++;
      reply(id, ok);
    }
  });
} else {
  const { createVerifier } = await import('@tradewind/verifier');
  const verifier = createVerifier(workerData.options);
  parentPort.on('message', async ({ id, inputs }) => {
    try {
      reply(id, await verifier.verifyCredentials(inputs));
    } catch (e) {
      parentPort.postMessage({ id, error: String(e?.stack ?? e) });
    }
  });
}
parentPort.postMessage('ready');
