import { Type } from 'typebox';
import { CreateGroupBody, Group, GroupMembersBody, MAX_GROUPS, UpdateGroupBody } from '../../groups/group-schemas.js';
import { Id } from '../../lib/schemas.js';
import { Envelope, ErrorBody } from '../http-schemas.js';
import { operation } from '../operation.js';

const GroupParams = Type.Object({ group_id: Id });
const tags = ['groups'];

export const createGroupSchema = operation({
  operationId: 'createGroup',
  summary: 'Create a group of staff (admins)',
  tags,
  auth: 'bearer',
  idempotent: true,
  body: CreateGroupBody,
  responses: { 201: Envelope(Group), 403: ErrorBody },
});
export const listGroupsSchema = operation({
  operationId: 'listGroups',
  summary: `Every group, by name, with its members (operators and admins; at most ${MAX_GROUPS} exist, so one page)`,
  tags,
  auth: 'bearer',
  responses: { 200: Envelope(Type.Array(Group)), 403: ErrorBody },
});
export const getGroupSchema = operation({
  operationId: 'getGroup',
  summary: 'Get a group (operators and admins)',
  tags,
  auth: 'bearer',
  params: GroupParams,
  responses: { 200: Envelope(Group), 403: ErrorBody, 404: ErrorBody },
});
export const updateGroupSchema = operation({
  operationId: 'updateGroup',
  summary: 'Rename a group or change its description (admins)',
  tags,
  auth: 'bearer',
  params: GroupParams,
  body: UpdateGroupBody,
  responses: { 200: Envelope(Group), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
});
export const replaceGroupMembersSchema = operation({
  operationId: 'replaceGroupMembers',
  summary: "Replace a group's members (admins)",
  tags,
  auth: 'bearer',
  params: GroupParams,
  body: GroupMembersBody,
  responses: { 200: Envelope(Group), 403: ErrorBody, 404: ErrorBody },
});
