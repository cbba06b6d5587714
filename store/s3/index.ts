export { openObjectStorage, s3OptionsFromUrl, type OpenObjectStorageOptions } from './open-object-storage';
export { S3ObjectStorage, type ObjectLockOptions, type S3ObjectStorageOptions } from './s3-object-storage';
