/**
 * An operator's role, across all accounts: owner (everything), operator (charges and refunds: the
 * money actions), viewer (read only). Each allows what the ones below it allow.
 */
export const operatorRoles = ['owner', 'operator', 'viewer'] as const;
export type OperatorRole = (typeof operatorRoles)[number];

const rank: Record<OperatorRole, number> = { viewer: 1, operator: 2, owner: 3 };

export function isOperatorRole(value: unknown): value is OperatorRole {
  return value === 'owner' || value === 'operator' || value === 'viewer';
}

/** Whether an operator with `role` may use what needs `least`; an unknown role may use nothing. */
export function roleAllows(role: unknown, least: OperatorRole): boolean {
  return isOperatorRole(role) && rank[role] >= rank[least];
}
