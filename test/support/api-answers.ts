// Checks on what the API answers, shared by the API tests.

/** That `response` is a 400 invalid_request naming `field` among its fields. */
export function expectRefused(response: { statusCode: number; json(): { error: { code: string; fields?: Array<{ field: string }> } } }, field: string) {
  expect(response.statusCode).toBe(400);
  expect(response.json().error.code).toBe('invalid_request');
  expect(response.json().error.fields?.map((f) => f.field)).toContain(field);
}
