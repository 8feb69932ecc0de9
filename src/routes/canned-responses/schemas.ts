import { Type } from 'typebox';
import {
  CannedResponse,
  CreateCannedResponseBody,
  ListCannedResponsesQuery,
  RenderCannedResponseBody,
  RenderedText,
  UpdateCannedResponseBody,
} from '../../canned-responses/canned-response-schemas.js';
import { Id } from '../../lib/schemas.js';
import { Envelope, ErrorBody, ListEnvelope, NoData } from '../http-schemas.js';
import { operation } from '../operation.js';

// Operators and admins only: a customer gets 403 everywhere.
const CannedResponseParams = Type.Object({ canned_response_id: Id });
const tags = ['canned responses'];

export const createCannedResponseSchema = operation({
  operationId: 'createCannedResponse',
  summary: 'Keep an answer for reuse, private or shared with all staff',
  tags,
  auth: 'bearer',
  idempotent: true,
  body: CreateCannedResponseBody,
  responses: { 201: Envelope(CannedResponse), 403: ErrorBody },
});
export const listCannedResponsesSchema = operation({
  operationId: 'listCannedResponses',
  summary: "The caller's own canned responses and the shared ones, by title",
  tags,
  auth: 'bearer',
  querystring: ListCannedResponsesQuery,
  responses: { 200: ListEnvelope(CannedResponse), 403: ErrorBody },
});
export const getCannedResponseSchema = operation({
  operationId: 'getCannedResponse',
  summary: "Get a canned response (one's own, a shared one; admins: any)",
  tags,
  auth: 'bearer',
  params: CannedResponseParams,
  responses: { 200: Envelope(CannedResponse), 403: ErrorBody, 404: ErrorBody },
});
export const updateCannedResponseSchema = operation({
  operationId: 'updateCannedResponse',
  summary: 'Change a canned response (its author or an admin)',
  tags,
  auth: 'bearer',
  params: CannedResponseParams,
  body: UpdateCannedResponseBody,
  responses: { 200: Envelope(CannedResponse), 403: ErrorBody, 404: ErrorBody },
});
export const deleteCannedResponseSchema = operation({
  operationId: 'deleteCannedResponse',
  summary: 'Delete a canned response (its author or an admin)',
  tags,
  auth: 'bearer',
  params: CannedResponseParams,
  responses: { 200: NoData, 403: ErrorBody, 404: ErrorBody },
});
export const renderCannedResponseSchema = operation({
  operationId: 'renderCannedResponse',
  summary: "A canned response's text with a ticket's details in its placeholders (nothing is stored)",
  tags,
  auth: 'bearer',
  params: CannedResponseParams,
  body: RenderCannedResponseBody,
  responses: { 200: Envelope(RenderedText), 403: ErrorBody, 404: ErrorBody },
});
