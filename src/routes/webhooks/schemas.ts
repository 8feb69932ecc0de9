import { Type } from 'typebox';
import { Id } from '../../lib/schemas.js';
import {
  CreateWebhookBody,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  UpdatedWebhook,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
  WebhookWithSecret,
} from '../../webhooks/webhook-schemas.js';
import { Envelope, ErrorBody, ListEnvelope, NoData } from '../http-schemas.js';
import { operation } from '../operation.js';

// Admins only: operators and customers get 403 everywhere.
const WebhookParams = Type.Object({ webhook_id: Id });
const DeliveryParams = Type.Object({
  webhook_id: Id,
  delivery_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});
const tags = ['webhooks'];

export const createWebhookSchema = operation({
  operationId: 'createWebhook',
  summary: 'Send ticket events to a URL, signed (Standard Webhooks); the answer shows the secret, once (admins)',
  tags,
  auth: 'bearer',
  idempotent: true,
  body: CreateWebhookBody,
  responses: { 201: Envelope(WebhookWithSecret), 403: ErrorBody },
});
export const listWebhooksSchema = operation({
  operationId: 'listWebhooks',
  summary: 'Every webhook, oldest first (admins)',
  tags,
  auth: 'bearer',
  querystring: ListWebhooksQuery,
  responses: { 200: ListEnvelope(Webhook), 403: ErrorBody },
});
export const getWebhookSchema = operation({
  operationId: 'getWebhook',
  summary: 'Get a webhook, without its secret (admins)',
  tags,
  auth: 'bearer',
  params: WebhookParams,
  responses: { 200: Envelope(Webhook), 403: ErrorBody, 404: ErrorBody },
});
export const updateWebhookSchema = operation({
  operationId: 'updateWebhook',
  summary: 'Change URL, events, description, turn on or off, or rotate the secret (admins)',
  tags,
  auth: 'bearer',
  params: WebhookParams,
  body: UpdateWebhookBody,
  responses: { 200: Envelope(UpdatedWebhook), 403: ErrorBody, 404: ErrorBody },
});
export const deleteWebhookSchema = operation({
  operationId: 'deleteWebhook',
  summary: 'Delete a webhook and its deliveries (admins)',
  tags,
  auth: 'bearer',
  params: WebhookParams,
  responses: { 200: NoData, 403: ErrorBody, 404: ErrorBody },
});
export const listWebhookDeliveriesSchema = operation({
  operationId: 'listWebhookDeliveries',
  summary: "A webhook's deliveries, newest first: status, attempts, last answer, next attempt (admins)",
  tags,
  auth: 'bearer',
  params: WebhookParams,
  querystring: ListDeliveriesQuery,
  responses: { 200: ListEnvelope(WebhookDelivery), 403: ErrorBody, 404: ErrorBody },
});
export const redeliverWebhookSchema = operation({
  operationId: 'redeliverWebhookDelivery',
  summary: 'Send a delivery again now, with a fresh retry schedule and the same webhook-id (admins)',
  tags,
  auth: 'bearer',
  idempotent: true,
  params: DeliveryParams,
  responses: { 202: Envelope(WebhookDelivery), 403: ErrorBody, 404: ErrorBody },
});
