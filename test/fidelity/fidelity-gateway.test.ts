/**
 * The fidelity suite (fidelity.test.ts) over the shared cases in gateway mode, in a file of its own (time limit).
 * @test-lane quiet: pixels and request counts only, no timing (scripts/test-lanes.ts).
 */
process.env.FIDELITY_MODES = 'gateway';
await import('./fidelity.test');

export {};
