/**
 * GET /omise.js: a browser script with the API of omise.js (omise-api.md §14), so a shop's checkout
 * page works against Satang unchanged apart from the script's URL:
 *   Omise.setPublicKey(key); Omise.createSource(type, params, function (statusCode, response) {...});
 * createSource puts `type` into params and POSTs them as JSON to `${interfaceUrl}/sources/` with
 * `Authorization: Basic btoa(publicKey)` (no colon), exactly as the real library does; a network
 * failure calls back with (0, {code: 'create_source_error', error}). `Omise.createToken` answers
 * 400 feature_not_supported: card tokens are out of scope. The API's base URL is baked in from
 * Satang's public URL, as the real library bakes in api.omise.co; `Omise.config.interfaceUrl` can be
 * changed at run time.
 */
import type { FastifyInstance } from 'fastify';
import { OmiseError } from '../domain/errors.js';

export const omiseJsPath = '/omise.js';

const tokensUnsupported = new OmiseError('feature_not_supported', 'card tokens are not supported by this gateway, which serves TrueMoney QR sources and charges');

export function omiseJsSource(interfaceUrl: string): string {
  return `/* Satang: an omise.js-compatible script (createSource for TrueMoney QR). */
(function (global) {
  'use strict';
  var config = { interfaceUrl: ${JSON.stringify(interfaceUrl)}, vaultUrl: ${JSON.stringify(interfaceUrl)} };
  var tokensUnsupported = ${JSON.stringify(tokensUnsupported.toJSON())};
  var Omise = { config: config, publicKey: null };
  Omise.setPublicKey = function (publicKey) {
    Omise.publicKey = publicKey;
    return Omise.publicKey;
  };
  Omise.createSource = function (type, options, callback) {
    options.type = type;
    fetch(Omise.config.interfaceUrl + '/sources/', {
      method: 'post',
      headers: { Authorization: 'Basic ' + btoa(Omise.publicKey), 'Content-Type': 'application/json' },
      body: JSON.stringify(options)
    })
      .then(function (response) {
        return response.json().then(function (data) { callback(response.status, data); });
      })
      .catch(function (error) {
        callback(0, { code: 'create_source_error', error: error.message });
      });
  };
  Omise.createToken = function (as, attributes, handler) {
    setTimeout(function () { handler(400, tokensUnsupported); }, 0);
  };
  global.Omise = Omise;
})(typeof window !== 'undefined' ? window : this);
`;
}

export async function omiseJsRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;
  app.get(omiseJsPath, async (_request, reply) => {
    return reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .send(omiseJsSource(gateway.publicUrl));
  });
}
