// Stand-in for neodoc: only what the test passes (<poll-url>,
// --poll-interval=N, --rotate180).
export default {
  run () {
    const args = { '<poll-url>': undefined, '--poll-interval': '5', '--rotate180': false }
    for (const a of process.argv.slice(2)) {
      if (a.startsWith('--poll-interval=')) args['--poll-interval'] = a.slice('--poll-interval='.length)
      else if (a === '--rotate180') args['--rotate180'] = true
      else args['<poll-url>'] = a
    }
    return args
  }
}
