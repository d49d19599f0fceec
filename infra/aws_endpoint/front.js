// planetmail's local AWS endpoint: one URL, like AWS_ENDPOINT_URL expects.
//
// DynamoDB requests (X-Amz-Target: DynamoDB_20120810.*) are served in this process by dynalite, an
// in-memory implementation of the DynamoDB API; every other request (S3, SES, SSM, Secrets Manager,
// moto's /moto-api/) is forwarded to moto's server. DynamoDB carries several calls per message (the
// collector's dedupe claim, the responder's send ledger), and moto answered each in ~3 ms of Python
// with a fresh TCP connection; dynalite answers in well under a millisecond and keeps connections alive.
//
// dynalite has no UpdateTimeToLive: this front remembers the TTL attribute per table and answers
// UpdateTimeToLive / DescribeTimeToLive itself (for tables dynalite has). As with moto, expired items
// are not deleted: the pipeline's conditions compare the TTL attribute with the clock themselves.
//
// Usage: node front.js --host 127.0.0.1 --port 4566 --moto http://127.0.0.1:4576

'use strict'

const http = require('http')
const dynalite = require('dynalite')

const DYNAMODB_TARGET = /^DynamoDB_\d+\.(\w+)$/
// Hop-by-hop headers of moto's answers stay between moto and this front: moto closes every connection,
// and passing its "Connection: close" on would make each client reconnect for every call.
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding']

function options (argv) {
  const named = {}
  for (let i = 0; i < argv.length; i += 2) named[argv[i].replace(/^--/, '')] = argv[i + 1]
  if (!named.port || !named.moto) {
    console.error('usage: node front.js --host HOST --port PORT --moto http://HOST:PORT')
    process.exit(2)
  }
  return { host: named.host || '127.0.0.1', port: Number(named.port), moto: new URL(named.moto) }
}

function answer (res, status, body) {
  const payload = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': payload.length })
  res.end(payload)
}

function readJson (req, then) {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    let body
    try {
      body = JSON.parse(Buffer.concat(chunks).toString() || '{}')
    } catch (err) {
      body = null
    }
    then(body)
  })
}

function timeToLive (ttlByTable, operation, self) {
  return (req, res) => readJson(req, (body) => {
    if (body === null || typeof body.TableName !== 'string') {
      return answer(res, 400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'TableName is required' })
    }
    describeTable(self, req.headers, body.TableName, (status, reply) => {
      if (status !== 200) return answer(res, status, reply) // e.g. ResourceNotFoundException, as DynamoDB
      if (operation === 'UpdateTimeToLive') {
        const spec = body.TimeToLiveSpecification || {}
        if (spec.Enabled) ttlByTable.set(body.TableName, spec.AttributeName)
        else ttlByTable.delete(body.TableName)
        return answer(res, 200, { TimeToLiveSpecification: spec })
      }
      const attribute = ttlByTable.get(body.TableName)
      const description = attribute === undefined ? { TimeToLiveStatus: 'DISABLED' }
        : { TimeToLiveStatus: 'ENABLED', AttributeName: attribute }
      answer(res, 200, { TimeToLiveDescription: description })
    })
  })
}

// Asks dynalite (through this front) whether the table exists: TTL calls for an unknown table fail as
// they do on DynamoDB. dynalite checks that a request is signed, not the signature, so the TTL call's
// own headers serve.
function describeTable (self, headers, tableName, then) {
  const payload = Buffer.from(JSON.stringify({ TableName: tableName }))
  const call = http.request({
    host: self.host,
    port: self.port,
    method: 'POST',
    path: '/',
    headers: { ...headers, 'x-amz-target': 'DynamoDB_20120810.DescribeTable', 'content-length': payload.length },
  }, (reply) => readJson(reply, (body) => then(reply.statusCode, body || {})))
  call.on('error', (err) => then(500, { message: `could not look the table up: ${err.message}` }))
  call.end(payload)
}

function forward (moto) {
  const agent = new http.Agent({ keepAlive: true })
  return (req, res) => {
    const upstream = http.request({
      host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers: req.headers, agent,
    }, (reply) => {
      const headers = { ...reply.headers }
      for (const name of HOP_BY_HOP) delete headers[name]
      res.writeHead(reply.statusCode, headers)
      reply.pipe(res)
    })
    upstream.on('error', (err) => {
      if (res.headersSent) return res.destroy(err)
      answer(res, 502, { message: `moto server at ${moto.href} did not answer: ${err.message}` })
    })
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy() // the client went away: so does the call to moto
    })
    req.pipe(upstream)
  }
}

// A client that goes away mid-request (a function worker killed while calling) must not take the
// endpoint down: dynalite rethrows request errors, and an unhandled stream error ends the process.
// Runs after the handlers attached theirs, so it replaces dynalite's.
function survive (req, res) {
  req.removeAllListeners('error')
  req.on('error', () => res.destroy())
}

function main () {
  const { host, port, moto } = options(process.argv.slice(2))
  const store = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  const serveDynamodb = store.listeners('request')[0]
  const ttlByTable = new Map()
  const ttlHandlers = {
    UpdateTimeToLive: timeToLive(ttlByTable, 'UpdateTimeToLive', { host, port }),
    DescribeTimeToLive: timeToLive(ttlByTable, 'DescribeTimeToLive', { host, port }),
  }
  const toMoto = forward(moto)
  const server = http.createServer((req, res) => {
    const match = DYNAMODB_TARGET.exec(req.headers['x-amz-target'] || '')
    if (!match) return toMoto(req, res)
    const handler = ttlHandlers[match[1]] || serveDynamodb
    handler(req, res)
  })
  server.on('request', survive)
  server.keepAliveTimeout = 65000
  server.listen(port, host, () => console.log(`AWS endpoint on http://${host}:${port}: DynamoDB by dynalite, the rest by moto at ${moto.href}`))
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0))
}

main()
