package sfnlocal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3API is what Distributed Maps need from S3: ItemReader reads objects and
// lists prefixes, ResultWriter puts the results. NewS3Client adapts an
// aws-sdk-go-v2 client (e.g. one pointed at the local S3 endpoint).
type S3API interface {
	// GetObject returns the object's body; the caller closes it.
	GetObject(ctx context.Context, bucket, key string) (io.ReadCloser, error)
	// ListObjectsV2 returns one page of the objects under prefix, in key
	// order, starting after continuationToken ("" for the first page).
	ListObjectsV2(ctx context.Context, bucket, prefix, continuationToken string) (S3ListPage, error)
	// PutObject writes an object.
	PutObject(ctx context.Context, bucket, key string, body []byte) error
}

// S3Object is one listed object.
type S3Object struct {
	Key          string
	ETag         string
	Size         int64
	LastModified time.Time
	StorageClass string
}

// S3ListPage is one page of ListObjectsV2; NextContinuationToken is empty
// on the last page.
type S3ListPage struct {
	Objects               []S3Object
	NextContinuationToken string
}

// NewS3Client adapts an aws-sdk-go-v2 S3 client to S3API.
func NewS3Client(c *s3.Client) S3API { return sdkS3{c} }

type sdkS3 struct{ c *s3.Client }

func (a sdkS3) GetObject(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	out, err := a.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	return out.Body, nil
}

func (a sdkS3) ListObjectsV2(ctx context.Context, bucket, prefix, token string) (S3ListPage, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	if token != "" {
		in.ContinuationToken = aws.String(token)
	}
	out, err := a.c.ListObjectsV2(ctx, in)
	if err != nil {
		return S3ListPage{}, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
	}
	page := S3ListPage{NextContinuationToken: aws.ToString(out.NextContinuationToken)}
	for _, o := range out.Contents {
		page.Objects = append(page.Objects, S3Object{
			Key: aws.ToString(o.Key), ETag: aws.ToString(o.ETag), Size: aws.ToInt64(o.Size),
			LastModified: aws.ToTime(o.LastModified), StorageClass: string(o.StorageClass),
		})
	}
	if !aws.ToBool(out.IsTruncated) {
		page.NextContinuationToken = ""
	}
	return page, nil
}

func (a sdkS3) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	_, err := a.c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
