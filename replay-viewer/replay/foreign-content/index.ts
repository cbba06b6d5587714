/** Content the bank did not send (docs/FOREIGN-CONTENT.md): the detector, its evidence, its report. */
export { detectForeignContent, resourceUrls, type SiteEvidence } from './detector';
export { EvidenceCorpus } from './evidence-corpus';
export { siteEvidence } from './site-evidence';
export { FOREIGN_REASONS, type ForeignContentReport, type ForeignFlag, type ForeignReason } from './types';
export { extensionSources, type ExtensionSource } from './extension-sources';
