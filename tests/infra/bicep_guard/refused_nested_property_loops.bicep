// A property loop inside another property loop. Error BCP142.
param rules array

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-11-01' = {
  name: 'nsg'
  location: 'westeurope'
  properties: {
    securityRules: [for r in rules: {
      name: r.name
      properties: {
        destinationPortRanges: [for p in r.ports: p]
      }
    }]
  }
}
