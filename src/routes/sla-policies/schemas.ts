import { Type } from 'typebox';
import { Id } from '../../lib/schemas.js';
import { CreateSlaPolicyBody, SlaPolicy, UpdateSlaPolicyBody } from '../../sla/sla-schemas.js';
import { Envelope, ErrorBody, NoData } from '../http-schemas.js';
import { operation } from '../operation.js';

const PolicyParams = Type.Object({ policy_id: Id });
const tags = ['sla'];

export const createSlaPolicySchema = operation({
  operationId: 'createSlaPolicy',
  summary: 'Create an SLA policy for a priority, or for any priority (admins)',
  tags,
  auth: 'bearer',
  idempotent: true,
  body: CreateSlaPolicyBody,
  responses: { 201: Envelope(SlaPolicy), 403: ErrorBody, 409: ErrorBody },
});
export const listSlaPoliciesSchema = operation({
  operationId: 'listSlaPolicies',
  summary: 'Every SLA policy, by priority, the any-priority one last (operators and admins; at most five)',
  tags,
  auth: 'bearer',
  responses: { 200: Envelope(Type.Array(SlaPolicy)), 403: ErrorBody },
});
export const getSlaPolicySchema = operation({
  operationId: 'getSlaPolicy',
  summary: 'Get an SLA policy (operators and admins)',
  tags,
  auth: 'bearer',
  params: PolicyParams,
  responses: { 200: Envelope(SlaPolicy), 403: ErrorBody, 404: ErrorBody },
});
export const updateSlaPolicySchema = operation({
  operationId: 'updateSlaPolicy',
  summary: 'Change an SLA policy (admins); tickets take it at their next recomputation',
  tags,
  auth: 'bearer',
  params: PolicyParams,
  body: UpdateSlaPolicyBody,
  responses: { 200: Envelope(SlaPolicy), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
});
export const deleteSlaPolicySchema = operation({
  operationId: 'deleteSlaPolicy',
  summary: 'Delete an SLA policy (admins); its tickets lose their SLA',
  tags,
  auth: 'bearer',
  params: PolicyParams,
  responses: { 200: NoData, 403: ErrorBody, 404: ErrorBody },
});
