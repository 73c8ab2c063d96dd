module github.com/secuprint/receipt

go 1.26.8

require (
	github.com/google/gousb v1.1.3 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/tarm/serial v0.0.0-20180830185346-98f6abe2eb07 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/image v0.47.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
