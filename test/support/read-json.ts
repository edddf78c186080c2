/** Test helper: a response body as JSON, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(response: Response | Promise<Response>): Promise<any> {
  return (await response).json();
}
