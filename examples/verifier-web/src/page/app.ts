// The counter page: online mode (OpenID4VP request, QR code, result) is loaded at once;
// offline mode (the verifier, run in this page) is loaded when its tab is first opened.
import { setUpOnline } from './online.js';
import { setUpTabs } from './tabs.js';

let offline: Promise<void> | undefined;

setUpOnline();
setUpTabs(document.querySelector<HTMLElement>('[role="tablist"]')!, (tab) => {
  if (tab.id !== 'tab-offline' || offline) return;
  offline = import('./offline.js').then(
    (m) => m.setUpOffline(),
    () => {
      offline = undefined;
      document.getElementById('offline-state')!.textContent = 'The verifier could not be loaded: reload the page.';
    },
  );
});
