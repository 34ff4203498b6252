// A variable may be a loop, but may not hold one. Error BCP138.
param names array

var settings = {
  items: [for n in names: {
    name: n
  }]
}

output count int = length(settings.items)
