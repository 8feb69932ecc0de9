import { Type } from 'typebox';
import { NO_NUL } from '../lib/validation.js';

export const TokenRequest = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 254, pattern: NO_NUL, description: 'Email or username.' }),
    password: Type.String({ minLength: 1, maxLength: 128, pattern: NO_NUL }),
    // Sent by OAuth2 clients such as Swagger UI; accepted and ignored.
    grant_type: Type.Optional(Type.Enum(['password'])),
    scope: Type.Optional(Type.String({ maxLength: 1000 })),
    client_id: Type.Optional(Type.String({ maxLength: 1000 })),
    client_secret: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the token expires.' }),
});
