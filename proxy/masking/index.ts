/** The proxy's masking: one policy, applied to uploads, captured bodies and request bodies before any write. */
export { DEFAULT_POLICY, loadPolicy, parsePolicy, recorderMaskingAttribute, type MaskingPolicy, type MaskingPolicyFile, type RecorderMaskingConfig } from './policy';
export { EventMasker } from './mask-events';
export { decode, maskBody, maskBodyBytes, maskPlain, isTextType, type BodyInput, type MaskOutcome } from './body-masking';
export { maskText, maskTyped, findSecrets, luhnValid, ibanValid, MASK_CHAR } from './detectors';
export { maskByType, maskByKind, maskFormText } from './mask-values';
export { maskBinary } from './binary-masking';
export { Masker, type WebSocketPayload } from './masker';
