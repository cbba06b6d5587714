/**
 * The extension's public key (manifest "key"): it fixes the extension id, which
 * enterprise policies name. Only the public half exists; stores sign with their own.
 */
export const EXTENSION_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxCz2dVj22Q35RL0sYX4PgSMcIaUc4OcF8k6MNbp7KudP2XusjU+wLMcJQThstZwj408GabXczKRy7jAEe6/E8ltwwamxMlEEsNoosx/3EMu94f8wNn3DjioZoKQDJS6GgThzhPzXK3xRWUKD98T/Bzpoaag3plfZPJ3rSB4NiCQclcx60V4Q7zxLsF2xk3Dep2iyG+S0oPihU1gGWHw0e9zmPB6ikTrqpGpVOaiBX4jkThY7jtdDIMZba4BEB0CH8UpzoaFp6BRrIINpLMKbQSe3XyD3IV30j+sG449F+oFJVxlu6/ZitVVUGNKeQq6AG1ZmErQGNa2Wh4MdbjabCwIDAQAB';
/** Derived from the key: hex of SHA-256(key)[0..16] mapped 0-f to a-p. */
export const CHROMIUM_EXTENSION_ID = 'dleccdhofadcboilcahgjninohcfbild';
/** Firefox ids are chosen, not derived. */
export const FIREFOX_EXTENSION_ID = 'verbatim-kiosk@verbatim.invalid';
