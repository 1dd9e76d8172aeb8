export { ROLES, ALL_ROLES, ENTERPRISE_DEFAULT_ROLES, PLATFORM_ROLE_NAMES, isRole, type Role } from './roles.js';
export { certificateKind, certificateSchema, issueCertificate, CERTIFICATE_MAX_BYTES, type Certificate, type CertificateInput, type SubjectKind } from './certificate.js';
export { TrustStore, TRUST_STORE_FORMAT, type Root, type TrustStoreJson } from './trust-store.js';
export { Revocations, type RevocationInput } from './revocation.js';
export { asTrustError } from './errors.js';
export { verifyCertificate, iso, type VerifiedCertificate, type CertificateCheck } from './verify-certificate.js';
export { identityKind, identitySchema, hardwareBinding, signIdentityRecord, IDENTITY_MAX_BYTES, type IdentityRecord, type IdentityInput } from './identity.js';
export { verifyIdentityRecord, type VerifiedIdentity, type IdentityCheck } from './verify-identity.js';
export { verifySign1Issuer, verifyMultiIssuer } from './verify-issuer.js';
