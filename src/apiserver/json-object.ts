// JSON objects as the patch code builds them. Their keys come from request bodies, so a key
// such as `__proto__` must stay an ordinary own property: plain assignment (`o[k] = v`)
// would instead replace the object's prototype, and the key would vanish from the result
// without a word (the schema check could then never refuse it as an unknown field).

export type Json = unknown;
export type JsonObject = Record<string, Json>;

export function isJsonObject(v: Json): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function setOwn(o: JsonObject, key: string, value: Json): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}
