module github.com/wrenmq/wrenmq/conformance

go 1.26.0

replace (
	github.com/wrenmq/wrenmq/authledger => ../authledger
	github.com/wrenmq/wrenmq/broker => ../broker
	github.com/wrenmq/wrenmq/codec => ../codec
	github.com/wrenmq/wrenmq/storage-badger => ../storage-badger
	github.com/wrenmq/wrenmq/storage-redis => ../storage-redis
)

require (
	github.com/eclipse/paho.golang v0.23.0
	github.com/eclipse/paho.mqtt.golang v1.5.1
	github.com/stretchr/testify v1.12.1
	github.com/wrenmq/wrenmq/authledger v0.0.0-00010101000000-000000000000
	github.com/wrenmq/wrenmq/broker v0.0.0
	github.com/wrenmq/wrenmq/codec v0.0.0
	github.com/wrenmq/wrenmq/storage-badger v0.0.0-00010101000000-000000000000
	github.com/wrenmq/wrenmq/storage-redis v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgraph-io/badger/v4 v4.9.6 // indirect
	github.com/dgraph-io/ristretto/v2 v2.2.0 // indirect
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/google/flatbuffers v25.2.10+incompatible // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/klauspost/compress v1.18.0 // indirect
	github.com/redis/go-redis/v9 v9.23.0 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel v1.41.0 // indirect
	go.opentelemetry.io/otel/metric v1.41.0 // indirect
	go.opentelemetry.io/otel/trace v1.41.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/crypto v0.45.0 // indirect
	golang.org/x/net v0.47.0 // indirect
	golang.org/x/sync v0.17.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	google.golang.org/protobuf v1.36.7 // indirect
)
