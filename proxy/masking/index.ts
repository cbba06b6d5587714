/** The proxy's masking: one policy, applied to uploads, captured bodies and request bodies before any write. */
export { DEFAULT_POLICY, loadPolicy, parsePolicy, recorderMaskingAttribute, type MaskingPolicy, type MaskingPolicyFile, type RecorderMaskingConfig } from './policy';
export { EventMasker } from './mask-events';
export { decode, maskBody, isTextType, type MaskOutcome } from './body-masking';
export { maskText, luhnValid, ibanValid, MASK_CHAR } from './detectors';
export { maskByType, maskJsonValue } from './mask-values';
