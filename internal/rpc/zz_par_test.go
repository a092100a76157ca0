package rpc

import (
	"context"
	"testing"
	"time"
)

func BenchmarkCallParallel(b *testing.B) {
	c, p := newPair(b, Options{})
	go p.echo()
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := callU64(context.Background(), c, 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCallTimeout(b *testing.B) {
	c, p := newPair(b, Options{})
	go p.echo()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if _, err := callU64(ctx, c, 1); err != nil {
			b.Fatal(err)
		}
		cancel()
	}
}
