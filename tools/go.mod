module github.com/wrenmq/wrenmq/tools

go 1.26.0

require (
	github.com/eclipse/paho.golang v0.23.0
	github.com/gorilla/websocket v1.5.3
	github.com/prometheus/client_golang v1.25.0
	github.com/prometheus/client_model v0.6.3
	github.com/prometheus/common v0.73.1
	github.com/stretchr/testify v1.12.1
	github.com/wrenmq/wrenmq/authledger v0.0.0
	github.com/wrenmq/wrenmq/broker v0.0.0
	github.com/wrenmq/wrenmq/codec v0.0.0
	github.com/wrenmq/wrenmq/conformance v0.0.0
	go.uber.org/goleak v1.3.0
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/dgraph-io/badger/v4 v4.9.6 // indirect
	github.com/dgraph-io/ristretto/v2 v2.2.0 // indirect
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/google/flatbuffers v25.2.10+incompatible // indirect
	github.com/klauspost/compress v1.20.1 // indirect
	github.com/redis/go-redis/v9 v9.23.0 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel v1.41.0 // indirect
	go.opentelemetry.io/otel/metric v1.41.0 // indirect
	go.opentelemetry.io/otel/trace v1.41.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/pandatix/go-abnf v0.5.3 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	github.com/wrenmq/wrenmq/storage-badger v0.0.0
	github.com/wrenmq/wrenmq/storage-redis v0.0.0
	golang.org/x/crypto v0.45.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace (
	github.com/wrenmq/wrenmq/authledger => ../authledger
	github.com/wrenmq/wrenmq/broker => ../broker
	github.com/wrenmq/wrenmq/codec => ../codec
	github.com/wrenmq/wrenmq/conformance => ../conformance
)

replace github.com/wrenmq/wrenmq/storage-badger => ../storage-badger

replace github.com/wrenmq/wrenmq/storage-redis => ../storage-redis
