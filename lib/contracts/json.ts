// Plain JSON values: what specs are made of. Same shape as the DataStore's JsonValue, declared here
// because contracts import nothing of ours but lib/errors (the two are structurally identical).
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
