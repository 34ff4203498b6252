// A conditional module's output read without '!' or '.?'. Warning BCP318 (the ternary does
// not count).
param private bool

module network 'network.bicep' = if (private) {
  name: 'network'
}

output subnetId string = private ? network.outputs.subnetId : ''
