// Stand-in for node-fetch 3: Node's built-in fetch, with buffer().
export default async function fetch (url, opts = {}) {
  const { timeout, ...rest } = opts
  const res = await globalThis.fetch(url, rest)
  res.buffer = async () => Buffer.from(await res.arrayBuffer())
  return res
}
