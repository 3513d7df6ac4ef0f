resource "indigo_s3_policy" "cms" {
  name = "cms"
  document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["arn:aws:s3:::archive/*"]
    }]
  })
}
