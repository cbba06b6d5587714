/**
 * The fidelity suite (fidelity.test.ts: record through the proxy and the gateway, change
 * the site, replay, compare pixels) over the web-component cases of web-components.ts
 * (lit, Shoelace), in a test file of their own so that each file stays well within the
 * test runner's per-file time limit on a loaded machine.
 */
process.env.FIDELITY_SET = 'web-components';
process.env.FIDELITY_MODES = 'forward,gateway';
await import('./fidelity.test');

export {};
