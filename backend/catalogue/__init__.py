"""The product catalogue: brands, categories, products, price lists, must-stock lists."""
