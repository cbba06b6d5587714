/** The fidelity suite (fidelity.test.ts) over the shared cases in gateway mode, in a file of its own (time limit). */
process.env.FIDELITY_MODES = 'gateway';
await import('./fidelity.test');

export {};
