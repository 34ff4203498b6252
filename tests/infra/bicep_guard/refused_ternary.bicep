// A property loop under the conditional operator. Error BCP138.
param enabled bool
param rules array

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'st'
}

resource policy 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: enabled ? {
      rules: [for r in rules: {
        name: r
      }]
    } : {}
  }
}
