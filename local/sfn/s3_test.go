package sfnlocal

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The SDK adapter against an S3-compatible server on loopback.
func TestS3ClientAdapter(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	c := s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
	})
	ctx := testContext(t)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bucket")}); err != nil {
		t.Fatal(err)
	}
	api := NewS3Client(c)
	for i := range 3 {
		if err := api.PutObject(ctx, "bucket", fmt.Sprintf("p/k%d", i), []byte(fmt.Sprintf("body %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	body, err := api.GetObject(ctx, "bucket", "p/k1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(body)
	_ = body.Close()
	if string(b) != "body 1" {
		t.Fatalf("got %q", b)
	}
	page, err := api.ListObjectsV2(ctx, "bucket", "p/", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 3 || page.Objects[2].Key != "p/k2" || page.Objects[0].Size != 6 || page.NextContinuationToken != "" {
		t.Fatalf("page %+v", page)
	}
	if _, err := api.GetObject(context.Background(), "bucket", "missing"); err == nil {
		t.Fatal("reading a missing object succeeded")
	}
}
