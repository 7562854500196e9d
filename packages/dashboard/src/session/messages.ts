/** Refused at sign-in: the account exists, but its role has nothing to do in the back office. */
export const NO_ACCESS_MESSAGE =
  'This account has no access to the back office. Sign in with a staff or admin account; customers use the shop.';
