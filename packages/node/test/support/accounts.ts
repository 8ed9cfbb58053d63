/**
 * The scrypt cost of the test fixtures' accounts (AccountStore `scryptN`; a node's own accounts use SCRYPT_N = 2^15).
 * A test node makes a dozen accounts and signs each in: at the real cost (~0.1 s of CPU per hash) that is over 2 s of
 * CPU per test node, and the in-process tests build about a hundred. Sign-in still checks the password by scrypt, at
 * the cost its hash records; test/auth/password.test.ts and accounts.test.ts check the real parameters.
 */
export const TEST_SCRYPT_N = 2 ** 10;
