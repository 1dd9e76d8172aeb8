export { renewAuthority, loadForRenewal, type RenewInput, type Renewed } from './renew.js';
export { initRoot, loadAuthority, certify, AUTHORITY_FORMAT, FILES as AUTHORITY_FILES, type Authority, type AuthorityMeta, type RootInit, type CertifyInput, type LoadOptions } from './authority.js';
export { rotateRoot, ROTATION_FILE, DEFAULT_ROOT_VALIDITY_SECONDS, type RotateInput, type RotatedRoot } from './rotate.js';
