// oidc-provider ships no types; the tests use a small part of it (see real-oidc-provider.ts).
declare module 'oidc-provider';
