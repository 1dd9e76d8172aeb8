export { renewAuthority, loadForRenewal, type RenewInput, type Renewed } from './renew.js';
export { initRoot, loadAuthority, certify, AUTHORITY_FORMAT, FILES as AUTHORITY_FILES, type Authority, type AuthorityMeta, type RootInit, type CertifyInput, type LoadOptions } from './authority.js';
