/**
 * The digital-ID views the web app reads: wallet credentials and offers, a desk's session (as the holder and as the
 * desk sees it), verification records and the catalogue of credential types and services. Calls to another
 * organisation's node go through the shared `publicCall` (no token travels there).
 */

export interface WalletCredential {
  id: string;
  type: string;
  typeName: string;
  issuer: string;
  issuerDid: string;
  credentialHash: string;
  issuedAt: number;
  expiresAt: number;
  status: string;
  claims: Record<string, unknown>;
  credential: string;
  demoHolderKey: boolean;
}

export interface Offer {
  offer: string;
  type: string;
  typeName: string;
  issuer: string;
  expiresAt: number;
}

export interface SessionView {
  session: string;
  service: string;
  serviceName: string;
  deskOrg: string;
  deskName: string;
  audience: string;
  expiresAt: number;
  requirements: { type: string; typeName: string; vct: string; disclose: string[]; require?: Record<string, unknown> }[];
  consented: boolean;
  verified: string[];
  complete: boolean;
  txHash: string;
}

export interface Verification {
  verification: string;
  session: string;
  credentialHash?: string;
  type?: string;
  issuer?: string;
  result: 'valid' | 'invalid';
  reason: string;
  verifierOrg: string;
  txHash: string;
  height: number;
  at: number;
}

export interface DeskView extends SessionView {
  eligible: boolean;
  disclosed: Record<string, Record<string, unknown>>;
  consent: { txHash: string; at: number; holderOrg: string; grant?: string } | null;
  verifications: Verification[];
  nonce?: string;
}

export interface ClaimSpec {
  name: string;
  label: string;
  kind: 'text' | 'date' | 'enum' | 'bool' | 'integer' | string;
  values?: string[];
  min?: number;
  max?: number;
  derived: boolean;
}

export interface IdentityCatalogue {
  types: { id: string; name: string; issuers: string[]; validityDays: number; claims: ClaimSpec[] }[];
  services: { id: string; name: string; desks: string[]; requirements: { type: string; disclose: string[] }[] }[];
}
