import { Type, type Static } from '@sinclair/typebox';

/**
 * Roles, each a set of permissions. Everyone who can log in can read; the
 * other permissions go to the people whose job they are, and admin has all.
 */
export const ROLES = ['viewer', 'operator', 'finance', 'approver', 'admin'] as const;
export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
export type Role = Static<typeof Role>;

/** approve: approve a payout month someone else prepared (docs/payments.md). */
export type Permission = 'read' | 'operate' | 'finance' | 'approve' | 'registry';

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  operator: ['read', 'operate'],
  finance: ['read', 'finance'],
  approver: ['read', 'approve'],
  admin: ['read', 'operate', 'finance', 'approve', 'registry'],
};

export const can = (role: Role, permission: Permission): boolean => GRANTS[role].includes(permission);

/** The lowest roles that hold a permission, for the 403 message. */
export const rolesWith = (permission: Permission): Role[] => ROLES.filter((r) => can(r, permission));
