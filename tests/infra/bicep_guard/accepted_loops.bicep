// Every place the compiler takes a for-expression: the whole value of a var, an output, a
// resource or a module (with or without a condition), and one property loop in a resource or
// module body reached through object and array literals.
param names array
param rules array
param enabled bool

var upper = [for n in names: toUpper(n)]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'st'
}

resource policy 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (enabled) {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [for r in rules: {
        name: r
        enabled: true
      }]
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for n in upper: if (enabled) {
  name: 'st/default/${n}'
  properties: {
    metadata: {
      owner: n
    }
  }
}]

resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: 'vnet'
  location: 'westeurope'
  properties: {
    subnets: [
      {
        name: 'a'
        properties: {
          addressPrefixes: [for r in rules: r]
        }
      }
    ]
  }
}

module apps 'app.bicep' = [for n in names: {
  name: 'app-${n}'
  params: {
    tags: [for r in rules: r]
  }
}]

output names array = [for n in names: n]

// Reading a conditional module's outputs with '!' or '.?', and cloud hosts from environment().
module network 'network.bicep' = if (enabled) {
  name: 'network'
}

output subnetId string = enabled ? network!.outputs.subnetId : ''
output vnetId string = network.?outputs.id ?? ''
output blobZone string = 'privatelink.blob.${environment().suffixes.storage}'
