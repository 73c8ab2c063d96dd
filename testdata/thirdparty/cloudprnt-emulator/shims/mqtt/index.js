// Stand-in for mqtt: the test's server speaks HTTP polling only.
export default {
  connect () { throw new Error('mqtt: not available in this test') }
}
